const m = await import("./compute.marked.ts");
const w = await import("./wu-tmp.ts");
if (process.argv[2] !== "none") w.wu(process.argv[2]);
const now = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = now(); m.loopCallsMethod(3000, 10_000); console.log(process.argv[2], (now() - t0).toFixed(1));
