// Package function holds what defines a Lambda function to lambdad: its
// configuration (Config), read from a functions directory (LoadDir, LoadAll)
// and validated against Lambda's limits in one place (Config.Validate); the
// names callers use for it (ParseName, ARN); the runtime families it runs
// (Families: the base tree and command of each); and the environment its
// process sees (Environment, docs/contract.md).
//
// A functions directory holds one subdirectory per function. The
// subdirectory's name is the function's name and its contents are the code,
// mounted at /var/task. An optional function.json in it uses the field names
// of Lambda's CreateFunction request:
//
//	{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 128, "Timeout": 3,
//	 "Environment": {"Variables": {"GREETING": "hi"}}, "EphemeralStorage": {"Size": 512},
//	 "ReservedConcurrentExecutions": 4, "ProvisionedConcurrency": 0}
//
// Every field is optional. Without a Runtime, the code decides: a bootstrap
// (which must be executable) means provided.al2023, else a handler.py means
// python3.12 (handler handler.handler). The package is plain data and
// parsing: it starts nothing, and of the daemon it imports only the
// execution environment's constants (lambda) and the names of rootfs's
// base trees.
package function
