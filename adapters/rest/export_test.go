package rest

// StatusOf exposes the table from core's codes to HTTP status to the external tests.
var StatusOf = statusOf
