export { semanticEqual } from "@ktl/apimachinery";
