// Command sdkfloorxray is sdkfloor plus the X-Ray SDK the gateway is
// required to use (aws-xray-sdk-go's xray package and its aws-sdk-go-v2
// instrumentation), again imported only for their package initialisation.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	_ "github.com/aws/aws-xray-sdk-go/xray"
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
