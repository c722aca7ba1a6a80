package emulator

import (
	"encoding/json"
	"fmt"
)

// checkForModel applies the request rules that depend on the model and that
// decoding, which knows no model, only records (shared/FACTS.md, "2026
// update"), before the model's checkpoint rules:
//   - on the legacy integration (spec.legacyIntegration: Claude Opus 4.6
//     and earlier) automatic caching, a top-level cache_control, is an
//     extra input, and anthropic_version "2026-10-21" is not a valid value
//     (the bad-version text decoding gives any other value);
//   - on Claude, a checkpoint right after a document that is not a PDF is
//     the model's "type: Field required" at the checkpoint's position.
//
// Because decoding runs first, a body with another decoding error as well
// gets that error, where the service's schema check might name these.
func (r *request) checkForModel(spec *modelSpec) *apiError {
	if spec.legacyIntegration {
		for _, cp := range r.checkpoints {
			if cp.automatic {
				return errValidationf(msgModelErr, msgAutomaticLegacy)
			}
		}
		if r.anthropicVersion == anthropicVersionSDK {
			v, _ := json.Marshal(r.anthropicVersion)
			return errValidationf(msgBadVersion, v)
		}
	}
	if spec.family != FamilyClaude || !spec.caching {
		return nil
	}
	for _, cp := range r.checkpoints {
		if cp.afterDocument != "" && cp.afterDocument != "pdf" {
			return errValidationf(msgModelErr, fmt.Sprintf(msgDocumentType, cp.position()))
		}
	}
	return nil
}
