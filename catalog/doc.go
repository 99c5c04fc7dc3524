// Package catalog is the functions lambdad serves and Lambda's control
// plane over them: functions created, updated and deleted through the API
// (CreateFunction, UpdateFunctionCode, …), their published versions and
// aliases, reserved and provisioned concurrency and tags, persisted in the
// state directory; and the read-only functions a functions directory or a
// template defines, which the API lists but does not change.
//
// Persistence: one bbolt database (control/catalog.db) holds a record per
// function, written whole in one transaction per change, so that a crash
// leaves the old or the new function and never a mix. Code zips are kept by
// their sha256 (control/code/<hex>.zip), written and synced before the
// record that names them; zips no record names are removed at Open. A
// change the API acknowledged has been committed (bbolt syncs each
// transaction).
//
// Every change of a function's code or configuration gives it a new
// RevisionID, and with it a new function.Config.Key: the scheduler keeps
// sandboxes per key, so new invokes get new sandboxes while invokes of the
// old revision finish undisturbed (Options.OnRetire drains its sandboxes).
package catalog
