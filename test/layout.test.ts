import { join } from 'node:path';
import { expect } from 'chai';
import { importCycles, importGraph } from './helpers/import-graph.ts';

/**
 * The house in one direction (ARCHITECTURE.md): each floor imports only floors below it; checks and faults
 * share a floor and never import each other; no import cycles anywhere.
 */
const floors: readonly (readonly string[])[] = [
  ['app'],
  ['suites'],
  ['reports'],
  ['checks', 'faults'],
  ['clusters'],
  ['src'],
];

/** Rooms inside a floor that must not reach each other (from -> to). */
const forbiddenWithinFloor: readonly [string, string][] = [
  ['app/jobs/', 'app/cli/'],
  ['checks/', 'faults/'],
  ['faults/', 'checks/'],
  ['src/model/', 'src/observe/'],
];

/** The core of the ground floor: everything in src/ but the shared vocabulary and the observers built on it. */
const upperGround = ['src/model/', 'src/observe/'];

const root = join(import.meta.dirname, '..');
const product = floors.flat();

function floorOf(file: string): number {
  const top = file.split('/')[0] ?? '';
  return floors.findIndex((floor) => floor.includes(top));
}

describe('layout: imports go down the floors', () => {
  const graph = importGraph(root, product);

  it('sees the whole product (guards against a graph that is silently empty)', () => {
    expect(graph.size).to.be.greaterThan(150);
    for (const floor of product)
      expect([...graph.keys()].some((f) => f.startsWith(`${floor}/`))).to.equal(true);
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    expect(edges).to.be.greaterThan(500);
  });

  it('no file imports a higher floor', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const to = floorOf(target);
        if (to === -1) continue; // fixtures, node_modules-free data files
        if (to < floorOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward, 'imports running up a floor').to.deep.equal([]);
  });

  it('rooms that must not reach each other do not', () => {
    const crossing: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        for (const [from, to] of forbiddenWithinFloor) {
          if (file.startsWith(from) && target.startsWith(to)) crossing.push(`${file} -> ${target}`);
        }
        const core = file.startsWith('src/') && !upperGround.some((room) => file.startsWith(room));
        if (core && upperGround.some((room) => target.startsWith(room)))
          crossing.push(`${file} -> ${target}`);
      }
    }
    expect(crossing, 'forbidden imports within a floor').to.deep.equal([]);
  });

  it('has no import cycles (static, dynamic or type-only)', () => {
    expect(importCycles(graph).map((c) => c.join(' <-> '))).to.deep.equal([]);
  });

  it('finds a cycle and an upward import when there is one (the rule can fail)', () => {
    const sample = new Map([
      ['src/a.ts', ['src/b.ts']],
      ['src/b.ts', ['src/c.ts']],
      ['src/c.ts', ['src/a.ts']],
      ['src/d.ts', []],
    ]);
    expect(importCycles(sample)).to.deep.equal([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
    expect(floorOf('checks/x.ts')).to.be.lessThan(floorOf('src/x.ts'));
    expect(floorOf('checks/x.ts')).to.equal(floorOf('faults/x.ts'));
  });
});
