// Runs inside a test network namespace (ip netns exec NS node netns-tool.mjs ...):
//   serve NAME IP TCP_PORT UDP_PORT   a backend: on each TCP connection it sends
//                                     "NAME <client ip>\n", then echoes; each UDP
//                                     datagram is answered with "NAME <datagram>"
//   hello IP PORT COUNT               COUNT TCP connections; prints the names as JSON
//   udp IP PORT COUNT                 COUNT datagrams from fresh sockets; prints the replies as JSON
// Plain JavaScript so that no build or loader is needed inside the namespace.
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";

const [mode, ...args] = process.argv.slice(2);

function hello(ip, port) {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port: Number(port) });
    let data = "";
    const timer = setTimeout(() => socket.destroy(new Error("timeout")), 3000);
    socket.on("data", (chunk) => {
      data += chunk;
      const line = data.indexOf("\n");
      if (line >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, line));
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      resolve(`error ${err.code ?? err.message}`);
    });
  });
}

function udp(ip, port) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      resolve("timeout");
    }, 2000);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(String(msg));
    });
    socket.send("ping", Number(port), ip);
  });
}

if (mode === "serve") {
  const [name, ip, tcpPort, udpPort] = args;
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    socket.write(`${name} ${socket.remoteAddress}\n`);
    socket.pipe(socket);
  });
  const dgram = createSocket("udp4");
  dgram.on("message", (msg, from) => dgram.send(`${name} ${msg}`, from.port, from.address));
  let pending = 2;
  const ready = () => --pending === 0 && console.log("ready");
  server.listen(Number(tcpPort), ip, ready);
  dgram.bind(Number(udpPort), ip, ready);
  process.on("SIGTERM", () => process.exit(0));
} else if (mode === "hello" || mode === "udp") {
  const [ip, port, count] = args;
  const out = [];
  for (let i = 0; i < Number(count); i++) out.push(await (mode === "hello" ? hello : udp)(ip, port));
  console.log(JSON.stringify(out));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
