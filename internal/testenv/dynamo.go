package testenv

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoClient returns a DynamoDB client for endpoint with static fake
// credentials and region us-east-1. It is built from a bare aws.Config, not
// LoadDefaultConfig, so that a developer's ~/.aws files and AWS_* variables
// cannot point a test at a real account. optFns are applied last (a test
// adds retry settings or a call counter there).
func DynamoClient(t testing.TB, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	opts := append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}}, optFns...)
	return dynamodb.NewFromConfig(cfg, opts...)
}
