package recorder

// SetRenameForTest replaces the function that moves a finished recording
// into place and returns a function that restores it.
func SetRenameForTest(f func(string, string) error) (restore func()) {
	old := rename
	rename = f
	return func() { rename = old }
}
