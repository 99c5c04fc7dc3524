// A client of the Lambda Runtime API over one keep-alive HTTP/1.1 connection.

import http from "node:http";

import { FaultError, UNMARSHAL_ERROR } from "./errors.mjs";

const PREFIX = "/2018-06-01/runtime";

// The error a function reports: a header of /error posts, and the trailers
// of a streamed /response post, with the document base64-encoded.
export const ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";
export const ERROR_BODY = "Lambda-Runtime-Function-Error-Body";

// headerValue makes s a header value, which must be ASCII without controls.
export function headerValue(s) {
  return String(s).replace(/[^\x20-\x7e]/g, "?");
}

// request is node:http's as it is when the runtime starts: a function that
// patches http (tracing libraries do) must not trace, delay or break the
// runtime's own requests, which on AWS are made from C++.
const request = http.request;

// RuntimeAPIError: the Runtime API failed or answered unexpectedly; the
// runtime must exit.
export class RuntimeAPIError extends Error {
  constructor(message) {
    super(message);
    this.name = "RuntimeAPIError";
  }
}

// Invocation is one event handed out by GET /runtime/invocation/next.
export class Invocation {
  constructor(headers, body) {
    this.requestId = headers["lambda-runtime-aws-request-id"] ?? "";
    const deadline = Number.parseInt(headers["lambda-runtime-deadline-ms"] ?? "", 10);
    this.deadlineMs = Number.isNaN(deadline) ? 0 : deadline;
    this.functionArn = headers["lambda-runtime-invoked-function-arn"];
    this.traceId = headers["lambda-runtime-trace-id"];
    this.clientContext = headers["lambda-runtime-client-context"];
    this.cognitoIdentity = headers["lambda-runtime-cognito-identity"];
    this.body = body;
  }

  // event is the body as JSON; Runtime.UnmarshalError if it is not.
  event() {
    try {
      return JSON.parse(this.body.toString("utf8"));
    } catch (err) {
      throw new FaultError(UNMARSHAL_ERROR, `Unable to unmarshal input: ${err.message}`);
    }
  }
}

// RuntimeClient talks to the Runtime API at address (host:port, no scheme).
// Every request goes over the same connection, which the agent keeps open
// between requests; next waits without a timeout, as runtimes must.
export class RuntimeClient {
  constructor(address) {
    const colon = address.lastIndexOf(":");
    this.host = address.slice(0, colon).replace(/^\[|\]$/g, "");
    this.port = Number(address.slice(colon + 1));
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  }

  // next waits for the next event and returns it as an Invocation.
  async next() {
    const { status, headers, body } = await this.#do("GET", PREFIX + "/invocation/next");
    if (status !== 200) {
      throw new RuntimeAPIError(`GET next: status ${status}: ${body.subarray(0, 200)}`);
    }
    return new Invocation(headers, body);
  }

  postResponse(requestId, body, contentType) {
    return this.#post(`${PREFIX}/invocation/${requestId}/response`, body, { "Content-Type": contentType });
  }

  postError(requestId, doc) {
    return this.#postDoc(`${PREFIX}/invocation/${requestId}/error`, doc);
  }

  postInitError(doc) {
    return this.#postDoc(PREFIX + "/init/error", doc);
  }

  // openStream starts the streamed /response post of requestId, its body
  // of type contentType: it returns the request, whose writes go out as
  // chunks as they are written, and its answer, which settles once the
  // Runtime API has answered the request's end: a RuntimeAPIError unless
  // 202. Nothing leaves before the first write or the end.
  openStream(requestId, contentType) {
    const path = `${PREFIX}/invocation/${requestId}/response`;
    const headers = {
      "Content-Type": contentType,
      "Lambda-Runtime-Function-Response-Mode": "streaming",
      "Transfer-Encoding": "chunked",
      Trailer: `${ERROR_TYPE}, ${ERROR_BODY}`,
    };
    let req;
    const answer = new Promise((resolve, reject) => {
      req = this.#request("POST", path, headers, resolve, reject);
    }).then(({ status, body }) => {
      if (status !== 202) {
        throw new RuntimeAPIError(`POST ${path}: status ${status}: ${body.subarray(0, 200)}`);
      }
    });
    return { req, answer };
  }

  #postDoc(path, doc) {
    const headers = { "Content-Type": "application/json", [ERROR_TYPE]: headerValue(doc.errorType) };
    return this.#post(path, Buffer.from(JSON.stringify(doc)), headers);
  }

  async #post(path, body, headers) {
    const { status, body: answer } = await this.#do("POST", path, body, headers);
    if (status !== 202) {
      throw new RuntimeAPIError(`POST ${path}: status ${status}: ${answer.subarray(0, 200)}`);
    }
  }

  #do(method, path, body, headers = {}) {
    return new Promise((resolve, reject) => {
      if (body !== undefined) headers["Content-Length"] = body.length;
      this.#request(method, path, headers, resolve, reject).end(body);
    });
  }

  // #request starts a request; resolve gets its answer, {status, headers,
  // body}, reject a RuntimeAPIError.
  #request(method, path, headers, resolve, reject) {
    const fail = (err) => reject(new RuntimeAPIError(`${method} ${path}: ${err.message}`));
    const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", fail);
    });
    req.on("error", fail);
    return req;
  }
}
