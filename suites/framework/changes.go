package framework

import "github.com/cachecascade/cachecascade/report"

// Changed files what a step of the changes area observed (a kind of change
// and the checkpoint layers it kept and invalidated) in the spec's report
// row, for the report's "what invalidates what" table.
func (s *Spec) Changed(c report.Change) {
	s.row.Changes = append(s.row.Changes, c)
}
