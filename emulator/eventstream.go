package emulator

import (
	"encoding/binary"
	"hash/crc32"
)

// AWS event-stream framing, as the SDK's codec
// (aws/protocol/eventstream.Encoder) writes it for the events the emulator
// sends, byte for byte (TestEventFrameMatchesSDK), without its per-message
// buffers and writers:
//
//	total length (4) | headers length (4) | prelude CRC (4) |
//	headers | payload | message CRC (4)
//
// where the CRCs are CRC-32 (IEEE) of everything before them and each
// header is name length (1), name, type 7 (string), value length (2),
// value; integers are big-endian.

// eventStringType is the header value type of a string.
const eventStringType = 7

// appendEvent appends an event message with the headers the service sends
// (":event-type" eventType, ":content-type" application/json,
// ":message-type" event, in that order) and payload.
func appendEvent(dst []byte, eventType string, payload []byte) []byte {
	headersLen := eventHeaderLen(":event-type", eventType) +
		eventHeaderLen(":content-type", "application/json") + eventHeaderLen(":message-type", "event")
	total := 12 + headersLen + len(payload) + 4
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(headersLen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	dst = appendEventHeader(dst, ":event-type", eventType)
	dst = appendEventHeader(dst, ":content-type", "application/json")
	dst = appendEventHeader(dst, ":message-type", "event")
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// eventHeaderLen is the encoded length of a string header.
func eventHeaderLen(name, value string) int { return 1 + len(name) + 1 + 2 + len(value) }

// appendEventHeader appends a string header.
func appendEventHeader(dst []byte, name, value string) []byte {
	dst = append(dst, byte(len(name)))
	dst = append(dst, name...)
	dst = append(dst, eventStringType)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(value)))
	return append(dst, value...)
}
