import { describe, expect, it } from "vitest";
import { writeTable, type Table } from "./table.js";
import { GET_TABLE, Tabwriter } from "./tabwriter.js";

const TABLE: Table = {
  columnDefinitions: [
    { name: "Name", priority: 0 },
    { name: "Ready", priority: 0 },
    { name: "Age", priority: 0 },
    { name: "Containers", priority: 1 },
  ],
  rows: [
    {
      cells: ["web", "3/3", "5m", "httpd"],
      object: { metadata: { namespace: "demo", labels: { app: "web" } } },
    },
    { cells: ["api-server", "0/1", "2d3h", "api"], object: { metadata: { namespace: "prod" } } },
  ],
};

function print(options: Parameters<typeof writeTable>[2]): string {
  const tw = new Tabwriter(GET_TABLE);
  writeTable(tw, TABLE, options);
  return tw.flush();
}

describe("table printer", () => {
  it("prints upper-case headers and hides priority columns unless wide", () => {
    expect(print({})).toBe("NAME         READY   AGE\nweb          3/3     5m\napi-server   0/1     2d3h\n");
    expect(print({ wide: true }).split("\n")[0]).toBe("NAME         READY   AGE    CONTAINERS");
  });

  it("adds NAMESPACE first with -A, kind prefixes, labels last, or no header", () => {
    expect(print({ withNamespace: true, kindPrefix: "deployment.apps", showLabels: true })).toBe(
      "NAMESPACE   NAME                         READY   AGE    LABELS\n" +
        "demo        deployment.apps/web          3/3     5m     app=web\n" +
        "prod        deployment.apps/api-server   0/1     2d3h   <none>\n",
    );
    expect(print({ noHeaders: true, labelColumns: ["app"] })).toBe(
      "web          3/3   5m     web\napi-server   0/1   2d3h   \n",
    );
  });
});
