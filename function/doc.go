// Package function holds what defines a Lambda function to lambdad: for now
// the environment its process sees (LAMBDA.md §3).
package function
