/**
 * One probe run. `error` means the kubelet could not probe at all (a named
 * port the container does not declare, the runtime refusing the exec): like
 * Kubernetes, the run is thrown away and counts neither way.
 */
export interface ProbeOutcome {
  readonly result: "success" | "failure" | "error";
  /** The response body, command output or failure reason (for events and logs). */
  readonly output: string;
}
