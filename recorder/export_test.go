package recorder

import "io"

// SetRenameForTest replaces the function that moves a finished recording
// into place and returns a function that restores it.
func SetRenameForTest(f func(string, string) error) (restore func()) {
	old := rename
	rename = f
	return func() { rename = old }
}

// SetSaveHookForTest sets the function called at each step of saving a
// cassette with its manifest entry and returns a function that restores
// the old one.
func SetSaveHookForTest(f func(step string)) (restore func()) {
	old := hook
	hook = f
	return func() { hook = old }
}

// SetNoteOutputForTest sets where the notes of Open's Tidy go, forgets
// which directories were tidied, and returns a function that restores the
// old output.
func SetNoteOutputForTest(w io.Writer) (restore func()) {
	old := noteOutput
	noteOutput = w
	tidied.Clear()
	return func() { noteOutput = old }
}
