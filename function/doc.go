// Package function holds what defines a Lambda function to lambdad: its
// configuration (Config), read from a functions directory (LoadDir, LoadAll)
// and validated against Lambda's limits in one place (Config.Validate); the
// names callers use for it (ParseName, ARN); the runtime families it runs
// (Families: the base tree and command of each); and the environment its
// process sees (Environment, docs/contract.md).
//
// A functions directory holds one subdirectory per function. The
// subdirectory's name is the function's name and its contents are the code,
// mounted at /var/task. A file <name>.zip there is a function too, its
// code the zip's contents and its definition <name>.json beside it. An
// optional function.json in a function's directory uses the field names
// of Lambda's CreateFunction request:
//
//	{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 128, "Timeout": 3,
//	 "Environment": {"Variables": {"GREETING": "hi"}}, "EphemeralStorage": {"Size": 512},
//	 "ReservedConcurrentExecutions": 4, "ProvisionedConcurrency": 0}
//
// Code.ZipFile (the path of a .zip, where CreateFunction takes its bytes)
// makes that zip the code, and Layers lists up to five .zip files or
// directories merged at /opt; relative paths start at the function's
// directory. Zips are unpacked by the launcher (rootfs.Store.Unpack): this
// package only checks they are there and read their entries to infer the
// runtime. LoggingConfig is Lambda's (LogFormat Text or JSON, JSON's
// ApplicationLogLevel and SystemLogLevel, LogGroup): it changes the format
// of lambdad's own log lines and what the runtime is told.
//
// Every field is optional. Without a Runtime, the code decides: a bootstrap
// (which must be executable) means provided.al2023, else a handler.py means
// the host's python3.N (handler handler.handler), else an index.js, .mjs or
// .cjs the host's nodejsN.x (handler index.handler). A Loader checks a
// declared Runtime against the host's interpreter (ProbeHost), which is what
// really runs python3.N and nodejsN.x functions on the host tree. The package is plain data and
// parsing: it starts nothing but ProbeHost's --version, and of the daemon it imports only the
// execution environment's constants (lambda) and the names of rootfs's
// base trees.
package function
