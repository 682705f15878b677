package lang

// spec lists every message a language file holds and the placeholders each may use. The renderer
// fills exactly these; a file with a key missing, an unknown key or an unknown placeholder does
// not load.
var spec = map[string][]string{
	// SMS replies.
	"help":           {"languages"},
	"not_understood": nil,
	"vend_full":      {"meter", "name", "tokens", "quantity", "amount", "ref"},
	"vend_compact":   {"meter", "tokens", "quantity", "amount", "ref"},
	"vend_reversed":  {"meter", "amount", "ref"},
	"last":           {"meter", "tokens", "quantity", "amount", "ref", "date"},
	"no_vend":        {"meter"},
	"language_set":   nil,
	"language_list":  {"languages"},
	// The token lines of a vend: labelled in the full form, short in the compact one. n counts the
	// key change tokens (1 of count, 2 of count ...).
	"token_credit":             {"token"},
	"token_credit_compact":     {"token"},
	"token_key_change":         {"token", "n", "count"},
	"token_key_change_compact": {"token", "n", "count"},
	"token_free_basic":         {"token", "quantity"},
	"token_free_basic_compact": {"token", "quantity"},
	// Error replies, chosen by the table in errors.go.
	"no_default_meter":     nil,
	"err_meter_number":     nil,
	"err_meter_not_found":  nil,
	"err_meter_blocked":    nil,
	"err_meter_service":    nil,
	"err_amount_missing":   nil,
	"err_amount_invalid":   nil,
	"err_amount_positive":  nil,
	"err_amount_decimals":  nil,
	"err_amount_too_small": nil,
	"err_amount_too_large": nil,
	"err_currency":         nil,
	"err_language":         {"languages"},
	"err_funds":            nil,
	"err_unavailable":      nil,
	"err_repeat":           nil,
	"err_cancelled":        nil,
	"err_closed":           nil,
	"err_invalid":          nil,
	"err_internal":         nil,
	// USSD screens, at most 182 characters each once filled.
	"ussd_main":           {"service"},
	"ussd_enter_meter":    nil,
	"ussd_confirm_name":   {"meter", "name"},
	"ussd_enter_amount":   {"meter", "currency"},
	"ussd_confirm":        {"meter", "name", "amount"},
	"ussd_result":         {"tokens", "quantity", "amount", "ref"},
	"ussd_result_sms":     {"meter", "quantity", "amount", "ref"},
	"ussd_result_screen":  {"tokens", "quantity", "amount", "ref"},
	"ussd_result_tokens":  {"tokens", "ref"},
	"ussd_language":       {"options"},
	"ussd_invalid_choice": nil,
	"ussd_expired":        nil,
	"ussd_bye":            {"service"},
}
