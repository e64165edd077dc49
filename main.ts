/**
 * Entry point of the single vmlab executable.
 *
 * The role is picked by the basename of argv[0] (`vmlab` → CLI, `vmlabd` →
 * supervisor, `vmlab-lab` → lab daemon) and equally by hidden subcommands
 * (`vmlab __supervisor`, `vmlab __lab`), so the CLI can start the daemons by
 * re-executing itself.
 */
import { pickRole, runRole } from "./core/roles.ts";

const role = pickRole(process.argv);
const code = await runRole(role.role, role.args);
process.exitCode = code;
