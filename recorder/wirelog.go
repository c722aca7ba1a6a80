package recorder

import (
	"encoding/json"
	"net/http"
	"os"
	"sync"

	"github.com/cachecascade/cachecascade/internal/env"
)

// WireLogEntry is one line of the wire log.
type WireLogEntry struct {
	// Spec is the spec that sent the request.
	Spec string `json:"spec"`
	// Cassette is the cassette file replayed.
	Cassette string `json:"cassette"`
	// Interaction is the index in the cassette of the interaction that
	// answered the request or, when Matched is false, of the interaction
	// it should have matched: replay is strictly in recorded order, so
	// that is the next one not yet replayed (MissError.Next). It is -1
	// when the request missed after every recorded interaction had been
	// replayed.
	Interaction int `json:"interaction"`
	// Matched reports that the request matched a recorded one.
	Matched bool `json:"matched"`
	// Body is the exact request body (base64 in the JSON line).
	Body []byte `json:"body"`
}

var wireLogMu sync.Mutex

// logWire appends an entry to the wire log, if one is configured. Errors
// are ignored: the log is a diagnostic and must not change replay.
func (t *replayTransport) logWire(req *http.Request, interaction int, matched bool) {
	path := os.Getenv(env.WireLog)
	if path == "" {
		return
	}
	body, err := readBody(req)
	if err != nil {
		return
	}
	line, err := json.Marshal(WireLogEntry{Spec: t.opts.Spec, Cassette: t.opts.Cassette, Interaction: interaction, Matched: matched, Body: body})
	if err != nil {
		return
	}
	wireLogMu.Lock()
	defer wireLogMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	f.Write(append(line, '\n'))
	f.Close()
}
