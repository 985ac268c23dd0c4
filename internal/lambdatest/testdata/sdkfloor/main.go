// Command sdkfloor is the hello-world baseline plus only the AWS SDK
// packages the gateway is required to link (DynamoDB, Bedrock Runtime and
// the default config chain; Secrets Manager and SSM are called by a small
// client of the gateway's own since issue 16), imported for their
// package initialisation and nothing else. Its cold start is the floor no
// gateway built on those libraries can go below; see docs/BENCHMARKS.md.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
