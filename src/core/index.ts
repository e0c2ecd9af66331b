/** @module core — types, ids, errors, config and clock; depends on nothing else in the project. */
export * from './types.ts';
export * from './errors.ts';
export * from './clock.ts';
export * from './ids.ts';
export * from './config.ts';
export * from './quota-config.ts';
export * from './tensor.ts';
export * from './validate.ts';
export * from './merge-patch.ts';
export * from './half.ts';
export * from './tensor-view.ts';
