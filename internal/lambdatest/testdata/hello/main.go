// Command hello is the baseline of the cold-start benchmark: the smallest
// aws-lambda-go function, answering an API Gateway event in the streaming
// format like the gateway does.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.APIGatewayProxyRequest) (*events.APIGatewayProxyStreamingResponse, error) {
		return &events.APIGatewayProxyStreamingResponse{
			StatusCode: 200,
			Headers:    map[string]string{"content-type": "application/json"},
			Body:       strings.NewReader(`{"hello":"world"}`),
		}, nil
	})
}
