// The stream a streaming handler writes its response to, and
// awslambda.HttpResponseStream.
//
// A ResponseStream is a Writable whose bytes go to the Runtime API as the
// chunks of one streamed /response post, each as soon as it is written:
// the post starts with the first write (or with end(), if nothing was
// written) and ends with end(). How an invocation that fails ends the
// stream is fail's: with error trailers once the post has started, else
// not at all, its error then posted to /error.

import { Writable } from "node:stream";

import { ERROR_BODY, ERROR_TYPE, headerValue, RuntimeAPIError } from "./client.mjs";
import { FaultError, INVALID_STREAMING_OPERATION } from "./errors.mjs";

const PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
// What separates the prelude from the body: 8 NUL bytes, which JSON never
// holds.
const DELIMITER = new Uint8Array(8);

// prelude is a stream's HttpResponseStream prelude, sent ahead of its first
// byte.
const prelude = Symbol("prelude");

export class ResponseStream extends Writable {
  #client;
  #requestId;
  #contentType = "application/octet-stream";
  #written = false; // write or end had bytes: too late for setContentType
  #req; // the post, once started
  #answer = Promise.resolve(); // the post's answer; rejects with a RuntimeAPIError

  constructor(client, requestId, highWaterMark) {
    super({ highWaterMark });
    this.#client = client;
    this.#requestId = requestId;
  }

  // setContentType sets the Content-Type of the post; before the first
  // write only.
  setContentType(contentType) {
    if (this.#written) {
      throw new FaultError(INVALID_STREAMING_OPERATION, "Cannot set content-type, too late.");
    }
    this.#contentType = String(contentType);
  }

  // write takes what AWS's stream takes: a string or bytes, or else any
  // value, written as its JSON.
  write(chunk, encoding, callback) {
    this.#written = true;
    return super.write(bytes(chunk), encoding, callback);
  }

  end(chunk, encoding, callback) {
    if (chunk !== undefined && chunk !== null && typeof chunk !== "function") {
      this.#written = true;
      chunk = bytes(chunk);
    }
    return super.end(chunk, encoding, callback);
  }

  // answered settles when the Runtime API has answered the post, at once
  // if it never started; it rejects with a RuntimeAPIError.
  answered() {
    return this.#answer;
  }

  // fail ends the invocation with the error document doc, once the handler
  // is done with the stream (it is destroyed: later writes fail). A post
  // that started, and so may have reached the caller, ends with doc in its
  // trailers, unless it was over already; fail returns false if the post
  // never started, for the caller to post doc to /error.
  fail(doc) {
    if (!this.destroyed) this.destroy();
    const req = this.#req;
    if (req === undefined) return false;
    if (!req.writableEnded && !req.destroyed) {
      req.addTrailers({
        [ERROR_TYPE]: headerValue(doc.errorType),
        [ERROR_BODY]: Buffer.from(JSON.stringify(doc)).toString("base64"),
      });
      req.end();
    }
    return true;
  }

  #start() {
    if (this.#req !== undefined) return this.#req;
    const { req, answer } = this.#client.openStream(this.#requestId, this.#contentType);
    this.#req = req;
    this.#answer = answer;
    // Whoever ends the invocation awaits the answer; it must not count as
    // an unhandled rejection meanwhile.
    answer.catch(() => {});
    if (this[prelude] !== undefined) {
      req.write(this[prelude]);
      req.write(DELIMITER);
    }
    return req;
  }

  _write(chunk, encoding, callback) {
    const req = this.#start();
    if (req.write(chunk)) {
      callback();
      return;
    }
    // The socket is behind: the next write waits for it, or for the post's
    // end if the Runtime API answers (or fails) first.
    const onDrain = () => {
      req.off("close", onClose);
      callback();
    };
    const onClose = () => {
      req.off("drain", onDrain);
      this.#answer.then(() => callback(new RuntimeAPIError("the Runtime API answered a streamed response before its end")), callback);
    };
    req.once("drain", onDrain);
    req.once("close", onClose);
  }

  _final(callback) {
    this.#start().end();
    this.#answer.then(() => callback(), callback);
  }
}

// bytes is chunk as Writable takes it.
function bytes(chunk) {
  if (typeof chunk === "string" || chunk instanceof Uint8Array) return chunk;
  return JSON.stringify(chunk);
}

// HttpResponseStream is awslambda.HttpResponseStream: the
// application/vnd.awslambda.http-integration-response content type of a
// function URL's streamed response.
export class HttpResponseStream {
  // from makes stream send metadata ({statusCode, headers, cookies}) as a
  // JSON prelude, then 8 NUL bytes, ahead of its body; it returns stream.
  static from(stream, metadata) {
    stream.setContentType(PRELUDE_CONTENT_TYPE);
    stream[prelude] = JSON.stringify(metadata);
    return stream;
  }
}
