package safebody

import (
	"io"
	"net/http"
)

// maxPresized bounds the buffer Read allocates from a Content-Length
// before reading: a larger body is read as it comes.
const maxPresized = 64 << 20

// Read reads r's body whole and closes it. A body of known length is read
// into one buffer of that size rather than grown to it (request bodies of
// the suites are tens of kilobytes, and growing copies each one several
// times); one longer than its Content-Length says is still read whole.
func Read(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	defer r.Body.Close()
	n := r.ContentLength
	if n <= 0 || n > maxPresized {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, n)
	got, err := io.ReadFull(r.Body, b)
	b = b[:got]
	switch err {
	case io.ErrUnexpectedEOF, io.EOF: // shorter than said
		return b, nil
	case nil:
	default:
		return b, err
	}
	probe := make([]byte, 1)
	if _, err := io.ReadFull(r.Body, probe); err != nil {
		if err == io.EOF {
			err = nil
		}
		return b, err
	}
	rest, err := io.ReadAll(r.Body)
	return append(append(b, probe...), rest...), err
}
