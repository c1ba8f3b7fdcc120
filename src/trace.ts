/**
 * CERT_DOCTOR_TRACE=1 prints each step of a run to stderr as milliseconds since the process started
 * (performance.now() counts from the process's time origin) and the process's CPU time so far, so where a
 * CLI check's time goes, waiting or computing, can be read off one run (issue 12). Off by default; then a
 * call costs one boolean test.
 */
const enabled = process.env.CERT_DOCTOR_TRACE === '1';

export function trace(step: string): void {
  if (!enabled) return;
  const { user, system } = process.cpuUsage();
  const cpu = ((user + system) / 1000).toFixed(1);
  process.stderr.write(`trace ${performance.now().toFixed(1).padStart(7)} ms  cpu ${cpu.padStart(6)} ms  ${step}\n`);
}
