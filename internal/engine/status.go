package engine

// The HTTP statuses the engine reports (Error.Status, Attempt.Status,
// BudgetOutcome.Status), named here so that deciding an outcome does not
// import net/http: the engine does not speak HTTP (doc.go), the HTTP layer
// writes these numbers as they are.
const (
	statusOK                 = 200
	statusBadRequest         = 400
	statusForbidden          = 403
	statusNotFound           = 404
	statusTooManyRequests    = 429
	statusBadGateway         = 502
	statusServiceUnavailable = 503
	statusGatewayTimeout     = 504
)
