/**
 * Raised when a patch cannot be applied: malformed patch documents, paths that do not
 * exist, failed `test` operations, missing merge keys. The API server maps it to a
 * 4xx Status (the client sent a bad patch), so messages are written for the user.
 */
export class PatchError extends Error {
  override readonly name = "PatchError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
