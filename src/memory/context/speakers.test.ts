import { describe, expect, it } from 'vitest';
import { analyzeTurn } from './analysis.ts';
import { querySpeakers, splitHeader } from './speakers.ts';
import { mkTurn } from './testing/turns.ts';

describe('memory/context/speakers', () => {
  it('splitHeader(text) takes a [stamp] Name: header off the body', () => {
    expect(splitHeader('[2023-05-08] Maria: I painted a sunrise')).toEqual({ body: 'I painted a sunrise', stamp: '2023-05-08', speaker: 'maria' });
    expect(splitHeader('[8 May 2023] Mary Ann: back home!')).toEqual({ body: 'back home!', stamp: '8 May 2023', speaker: 'mary ann' });
  });

  it('splitHeader(text, name) takes a bare Name: only when it is the turn’s own speaker', () => {
    expect(splitHeader('Maria: hi there', 'Maria')).toEqual({ body: 'hi there', speaker: 'maria' });
    expect(splitHeader('Note: the keys are under the mat', 'Maria')).toEqual({ body: 'Note: the keys are under the mat' });
    expect(splitHeader('Note: the keys are under the mat', null)).toEqual({ body: 'Note: the keys are under the mat' });
    expect(splitHeader('no header at all')).toEqual({ body: 'no header at all' });
  });

  it('analyzeTurn indexes the body only: header names and dates are not terms', () => {
    const a = analyzeTurn(mkTurn(2, 'user', '[2023-05-08] Maria: I painted a sunrise', { name: 'Maria' }));
    expect([...a.tf.keys()].sort()).toEqual(['paint', 'sunris']);
    expect(a).toMatchObject({ speaker: 'maria', stamp: '2023-05-08' });
  });

  it('querySpeakers(query) names the speakers the question is about, none when it names all or none', () => {
    const s = ['maria', 'jon', 'maria'];
    expect([...querySpeakers('When did Maria paint a sunrise?', s)]).toEqual(['maria']);
    expect([...querySpeakers("What is Maria's dog called?", s)]).toEqual(['maria']);
    expect([...querySpeakers('What did Maria and Jon cook?', s)]).toEqual([]);
    expect([...querySpeakers('What did they cook?', s)]).toEqual([]);
    expect([...querySpeakers('Where does Lopez work?', ['maria lopez', 'jon'])]).toEqual(['maria lopez']);
  });
});
