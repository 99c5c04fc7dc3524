// Package telemetry serves Lambda's Telemetry API (2022-07-01) and its older
// Logs API (2020-08-15) for one sandbox: extensions' subscriptions, and the
// delivery of the sandbox's platform events and output to them.
//
// The Runtime API server routes an extension's
//
//	PUT /2022-07-01/telemetry   (Telemetry API; schemaVersion 2022-07-01, 2022-12-13, 2025-01-29)
//	PUT /2020-08-15/logs        (Logs API; schemaVersion 2020-08-15, default, or 2021-03-18)
//
// to [Hub.ServeSubscribe] once it knows the extension by its
// Lambda-Extension-Identifier. The launcher reports what happens through the
// Hub's methods — [Hub.InitStart], [Hub.Start], [Hub.Report], [Hub.Log] … —
// which return at once: each subscriber has a bounded buffer and a goroutine
// of its own that delivers batches when maxItems or maxBytes is reached, or
// timeoutMs after the first record waited, or at [Hub.Flush]. An HTTP
// destination gets each batch as a JSON array in one POST (over one
// connection kept alive), a TCP one as newline-delimited JSON. A failed
// delivery is retried three times (20 ms, 100 ms, 500 ms), then dropped.
// A subscriber that is slow or absent loses records beyond its buffer, and
// is told later in a platform.logsDropped record.
//
// One machinery, several encodings: every event is encoded once per
// encoding its subscribers use — the Telemetry API's records, with log lines
// that are JSON objects kept as objects from schema 2022-12-13 on, or the
// Logs API's thinner ones (platform.start {requestId, version},
// platform.end, platform.report {requestId, metrics}, platform.runtimeDone
// {requestId, status} from 2021-03-18 on, log lines as strings). A
// subscriber gets only the types it asked for.
//
// Where lambdad differs from AWS:
//
//   - A destination's host must be sandbox.localdomain, sandbox, localhost
//     or 127.0.0.1; all mean the sandbox itself and are dialled at
//     127.0.0.1:PORT inside it. Port 9001 is refused. Lambda documents only
//     that destinations must be inside the execution environment.
//   - A TCP destination gives "port" (the Logs API's form) or a URI
//     host:port. Lambda's Telemetry reference lists only URI.
//   - The two AWS pages disagree on the Telemetry API's maxItems default
//     (1,000 in the API reference, 10,000 in the guide): lambdad uses the
//     reference's 1,000. A buffering field that is absent or 0 takes its
//     default; one out of range is a ValidationError.
//   - An extension that subscribed through one API and then subscribes
//     through the other gets 400 ValidationError (Logs.ValidationError);
//     Lambda says only that it "returns an error". The rule is per
//     extension, not per sandbox.
//   - Subscriptions are taken at any time, not only during init (Lambda
//     ignores those after init); a Hub that is closed answers 403
//     Telemetry.SubscriptionClosed (Logs.SubscriptionClosed).
//   - Subscribing again replaces the subscription: the old one's buffer is
//     delivered to its destination, then it ends.
//   - A subscription is reported to every platform subscriber as
//     platform.telemetrySubscription, and as platform.logsSubscription to
//     the Logs API's, whichever API the subscribing extension used.
//   - platform.logsDropped goes to every subscriber that lost records,
//     whatever types it asked for. Its records count the records (and their
//     bytes as encoded) that did not fit the buffer — 20,000 records or
//     4 MiB besides the batch in flight — or whose delivery failed after its
//     retries. Lambda does not say how much it keeps.
//   - A batch holds at most maxBytes (Lambda's may reach 2×maxBytes), but a
//     single larger record goes alone.
//   - platform.restoreStart, platform.restoreRuntimeDone and
//     platform.restoreReport (SnapStart) are never emitted, nor the
//     Telemetry API's platform.extension errorType unless the caller sets
//     it. platform.fault exists for the Logs API only ([Hub.Fault]).
//   - HTTP delivery honours destination "method": "PUT" (Logs API), and
//     "encoding" may only be "JSON".
package telemetry
