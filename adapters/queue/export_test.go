package queue

// ParseTaskPayload exposes the task payload decoder to the fuzz target.
var ParseTaskPayload = parseTaskPayload

// Retryable exposes the retry-or-drop table to the external tests.
var Retryable = retryable
