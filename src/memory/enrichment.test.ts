import { describe, expect, it } from 'vitest';
import type { Turn } from '../core/types.ts';
import { embeddingText } from './enrichment.ts';

const turn = (text: string, name: string | null = null): Turn => ({ seq: 1, role: 'user', parts: [{ type: 'text', text }], name, agent_id: null, metadata: null, created_at: 0, importance: null, pinned: false });

describe('embeddingText(turn)', () => {
  it('leaves out a "[date] Name:" header, which every turn of a logged chat carries', () => {
    expect(embeddingText(turn('[8 May 2023] Maria: I painted a sunrise', 'Maria'))).toBe('I painted a sunrise');
  });
  it('leaves out a bare "Name:" only when it is the turn\'s own speaker', () => {
    expect(embeddingText(turn('Maria: hi there', 'Maria'))).toBe('hi there');
    expect(embeddingText(turn('Note: the keys are under the mat', 'Maria'))).toBe('Note: the keys are under the mat');
  });
  it('falls back to the role for a turn without text', () => {
    expect(embeddingText(turn('[8 May 2023] Maria: ', 'Maria'))).toBe('(user)');
  });
});
