package emulator

import "encoding/json"

// The payloads of the stream events sent for every ConverseStream reply,
// appended as encoding/json marshals messageStartJSON,
// contentBlockDeltaJSON, contentBlockStopJSON and messageStopJSON, byte for
// byte (TestStreamPayloadsMatchMarshal), without reflection or an
// allocation per event.

// appendMessageStart appends a messageStart payload.
func appendMessageStart(dst []byte, pad string) []byte {
	dst = append(dst, `{"p":`...)
	dst = appendJSONString(dst, pad)
	return append(dst, `,"role":"assistant"}`...)
}

// appendContentBlockDelta appends a contentBlockDelta payload for block 0.
func appendContentBlockDelta(dst, text []byte, pad string) []byte {
	dst = append(dst, `{"contentBlockIndex":0,"delta":{"text":`...)
	dst = appendJSONString(dst, text)
	dst = append(dst, `},"p":`...)
	dst = appendJSONString(dst, pad)
	return append(dst, '}')
}

// appendContentBlockStop appends a contentBlockStop payload for block 0.
func appendContentBlockStop(dst []byte, pad string) []byte {
	dst = append(dst, `{"contentBlockIndex":0,"p":`...)
	dst = appendJSONString(dst, pad)
	return append(dst, '}')
}

// appendMessageStop appends a messageStop payload.
func appendMessageStop(dst []byte, pad, stopReason string) []byte {
	dst = append(dst, `{"p":`...)
	dst = appendJSONString(dst, pad)
	dst = append(dst, `,"stopReason":`...)
	dst = appendJSONString(dst, stopReason)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string the way encoding/json writes
// it: quoted as is when every byte is printable ASCII that it does not
// escape, else by encoding/json itself.
func appendJSONString[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(string(s))
			return append(dst, quoted...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
