package runtimeapi

import (
	"os"
	"testing"
)

// TestMain re-executes the test binary as a real runtime client when the
// test of lambdago_test.go asks it to: then this process is a function built
// with aws-lambda-go, and never returns.
func TestMain(m *testing.M) {
	if os.Getenv(lambdaGoHelperEnv) == "1" {
		runLambdaGoFunction()
	}
	os.Exit(m.Run())
}
