import type { Controller } from "../controller.js";

/** Every controller this manager can run, by name (`--controllers` picks among them). */
export const CONTROLLERS: readonly Controller[] = [];
