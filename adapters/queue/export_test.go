package queue

// ParseTaskPayload exposes the task payload decoder to the fuzz target.
var ParseTaskPayload = parseTaskPayload
