#!/usr/bin/env node
/**
 * The `genipi` executable: the CLI with the Node services.
 *
 * @packageDocumentation
 */
import { nodeContainer } from './node.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv, nodeContainer());
