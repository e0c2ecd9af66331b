/** @module memory/workspaces Shared workspaces: members, shared turns, CAS state, Yjs CRDT docs, events. */
export * from './model.ts';
export * from './crdt.ts';
export * from './events.ts';
export * from './workspaces.ts';
