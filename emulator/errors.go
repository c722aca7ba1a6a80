package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Error namespaces as they appear after the code in x-amzn-ErrorType.
const (
	nsBedrock = "http://internal.amazon.com/coral/com.amazon.bedrock/"
	// nsCoral is used by the front door (authentication) rather than by
	// Bedrock itself; those bodies also spell the key "Message".
	nsCoral = "http://internal.amazon.com/coral/com.amazon.coral.service/"
)

// The exact texts of FACTS.md, plus the service texts looked up for the
// errors FACTS.md does not list.
const (
	msgTooManyCheckpoints = "A maximum of %d blocks with cache_control may be provided. Found %d."
	msgNothingToCache     = "There is nothing available to cache. Please remove the invalid cache point and try again."
	msgAfterReasoning     = "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again."
	msgTTLOrder           = "The model returned the following errors: %s.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."
	msgNovaExtendedTTL    = "Extended TTL prompt caching is only supported for Anthropic models"
	msgExtraInputs        = "Extra inputs are not permitted"
	// msgExplicitTTL is not from a recording: a model that rejects any
	// explicit ttl (a models file's rejectsExplicitTTL) answers in the
	// shape of Nova's schema errors.
	msgExplicitTTL        = "The model returned the following errors: Malformed input request: extraneous key [ttl] is not permitted, please reformat your input and try again."
	msgNovaToolCheckpoint = "The model returned the following errors: Malformed input request: #/toolConfig/tools/%d: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
	msgUnsupportedCaching = "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."
	msgFirstUser          = "A conversation must start with a user message. Try again with a conversation that starts with a user message."
	msgAlternate          = "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
	msgEmptyContent       = "The content field in the Message object at messages.%d is empty. Add a ContentBlock object to the content field and try again."
	msgBlankText          = "The text field in the ContentBlock object at messages.%d.content.%d is blank. Add text to the text field, and try again."
	msgMalformed          = "Malformed input request, please reformat your input and try again."
	msgTooLong            = "Input is too long for requested model."
	msgAuthMissing        = "Authorization header is missing"
	msgBadAPIKey          = "Authentication failed: Please make sure your API Key is valid."
	msgBadSignature       = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
	// msgUnknownOperation is the control plane's text for an operation it
	// does not have (field reports of InvokeModel sent to the bedrock
	// endpoint: "ValidationException ... The requested operation is not
	// recognized by the service."); it names the error in logs, while the
	// body written is bodyUnknownOperation.
	msgUnknownOperation = "The requested operation is not recognized by the service."
	// bodyUnknownOperation is what bedrock-runtime answers to a path it
	// routes to no operation (an unescaped ARN's slash, a /messages path):
	// Coral's front door's own body, as field reports quote it
	// (anthropics/anthropic-sdk-typescript#440, BerriAI/litellm#13618,
	// aws-amplify/amplify-flutter#5675). The status is 404, as Smithy's
	// restJson1 routers answer an unmatched route, with the code in
	// x-amzn-ErrorType so that every SDK decodes UnknownOperationException.
	bodyUnknownOperation = `{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}`
	// msgDocumentType is FACTS.md's field report for a checkpoint right
	// after a non-PDF document ("messages.0.content.3.type: Field
	// required"), after msgModelErr, with the checkpoint's position.
	msgDocumentType = "%s.type: Field required"
	// msgAutomaticLegacy is the legacy integration's answer to a top-level
	// cache_control, after msgModelErr. It is not from a recording: FACTS.md
	// gives no text; this is the shape field reports show for other unknown
	// top-level keys on Claude 4 ("The model returned the following errors:
	// guardrails: Extra inputs are not permitted").
	msgAutomaticLegacy = "cache_control: Extra inputs are not permitted"

	// msgNoModelAccess is the answer to a model the account was not
	// granted. It is not in FACTS.md: it is the text field reports quote
	// for an AccessDeniedException on InvokeModel and Converse; callers
	// should go by the error code.
	msgNoModelAccess = "You don't have access to the model with the specified model ID."
)

// apiError is an error response as the service shapes it.
type apiError struct {
	status  int
	code    string
	message string
	// ns is the namespace after the code in x-amzn-ErrorType.
	ns string
	// upperKey spells the body key "Message" (front-door errors) instead of
	// "message" (Bedrock's own errors).
	upperKey bool
	// body, when set, is the whole response body, written instead of the
	// message object.
	body string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errValidation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ValidationException", message: msg, ns: nsBedrock}
}

func errValidationf(format string, args ...any) *apiError {
	return errValidation(fmt.Sprintf(format, args...))
}

func errResourceNotFound(msg string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: msg, ns: nsBedrock}
}

func errAccessDenied(msg string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDeniedException", message: msg, ns: nsCoral, upperKey: true}
}

// errEnum is the front end's (Coral's) constraint message for a value outside
// an enum; member indices in path are 1-based as Coral writes them.
func errEnum(value, path, set string) *apiError {
	return errValidationf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, path, set)
}

func errNotNull(path string) *apiError {
	return errValidationf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", path)
}

// writeError writes e as the service would: status, x-amzn-ErrorType and a
// JSON body with the message (or e.body).
func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h[wireRequestID] = []string{requestID}
	h[wireErrorType] = []string{e.code + ":" + e.ns}
	if e.body != "" {
		w.WriteHeader(e.status)
		_, _ = io.WriteString(w, e.body)
		return
	}
	key := "message"
	if e.upperKey {
		key = "Message"
	}
	body, _ := json.Marshal(map[string]string{key: e.message})
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
