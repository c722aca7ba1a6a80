package matrix

import "fmt"

// API is one of the Bedrock runtime operations a request can go through. A
// model's caching rules are the same through every API it supports; the API
// is a dimension of a cell so that the suites prove it.
type API string

// The APIs.
const (
	// Converse is the Converse operation (cachePoint blocks).
	Converse API = "converse"
	// ConverseStream is the ConverseStream operation: Converse's request,
	// with the usage in the stream's final metadata event.
	ConverseStream API = "converse-stream"
	// Invoke is the InvokeModel operation with the model's own body
	// (Claude: Anthropic Messages with cache_control; Nova: its native
	// body with cachePoint entries).
	Invoke API = "invoke"
	// InvokeStream is InvokeModelWithResponseStream: InvokeModel's body,
	// with the usage in the stream's chunks.
	InvokeStream API = "invoke-stream"
)

// APIs lists every API in the order reports show them.
var APIs = []API{Converse, ConverseStream, Invoke, InvokeStream}

// ParseAPI returns the API with the given name.
func ParseAPI(name string) (API, error) {
	for _, a := range APIs {
		if string(a) == name {
			return a, nil
		}
	}
	return "", fmt.Errorf("matrix: unknown API %q (want one of converse, converse-stream, invoke, invoke-stream)", name)
}

// Streams reports whether the API answers with an event stream.
func (a API) Streams() bool { return a == ConverseStream || a == InvokeStream }

// InvokesModel reports whether the API takes the model's own body
// (InvokeModel and its stream) rather than Converse's.
func (a API) InvokesModel() bool { return a == Invoke || a == InvokeStream }

// Unary returns the API's non-streaming twin: the API that takes the same
// request and answers in one response (the API itself when it does not
// stream).
func (a API) Unary() API {
	switch a {
	case ConverseStream:
		return Converse
	case InvokeStream:
		return Invoke
	}
	return a
}

// Operation returns the API's operation name as the SDK and the service
// call it ("Converse", "InvokeModelWithResponseStream").
func (a API) Operation() string {
	switch a {
	case ConverseStream:
		return "ConverseStream"
	case Invoke:
		return "InvokeModel"
	case InvokeStream:
		return "InvokeModelWithResponseStream"
	}
	return "Converse"
}

// Supports reports whether model m can be called through API a. Every
// family in the catalog has a Converse request and an InvokeModel body
// (see package invoke); a family without one would be listed here.
func (m Model) Supports(a API) bool {
	switch m.Family {
	case Claude, Nova:
		return true
	}
	return !a.InvokesModel()
}
