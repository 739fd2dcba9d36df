import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commandEntries, commandName, entryFor, listCommands } from './command-registry.ts';
import { createProgram } from './program.ts';

describe('command registry', () => {
  it('lists the commands exactly as the loaded commands print them (help text unchanged by lazy loading)', async () => {
    const loaded = createProgram();
    for (const entry of commandEntries) (await entry.load())(loaded);
    const listed = createProgram();
    listCommands(listed);
    assert.equal(listed.helpInformation(), loaded.helpInformation());
  });

  it('picks the command the arguments run, or none', () => {
    const named = (args: string[]) => {
      const entry = entryFor(args);
      return entry && commandName(entry);
    };
    assert.equal(named(['connections', 'list', '--json']), 'connections');
    assert.equal(named(['help', 'demo']), 'demo');
    assert.equal(named(['export', '--format', 'ndjson', 'c1']), 'export');
    assert.equal(named([]), undefined);
    assert.equal(named(['help']), undefined);
    assert.equal(named(['--help', 'connections']), undefined);
    assert.equal(named(['--version']), undefined);
    assert.equal(named(['conections']), undefined);
  });
});
