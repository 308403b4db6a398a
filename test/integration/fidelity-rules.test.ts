// Issue 14's leaf rules as upstream has them, on both faces (GraphQL `updateHumanUser` and REST
// `PUT /v2/users/human/{userId}`): ASCII password classes (§4.5.4), ...
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FACES, type Face, fail, type Input, ok, updateThrough } from '../support/faces.js';
import { createHarness, type Harness, snapshot, type World } from '../support/harness.js';

let h: Harness;
let w: World;
beforeEach(async () => {
  h = await createHarness();
  w = await h.seed();
});
afterEach(() => h.close());

const update = (face: Face, userId: string, input: Input) => updateThrough(h, face, w.orgOwner.token, userId, input);

/** A failing update writes nothing: the user's row and events are as before. */
async function expectRefused(face: Face, userId: string, input: Input, expected: ReturnType<typeof fail>) {
  const before = await snapshot(h, userId);
  expect(await update(face, userId, input)).toEqual(expected);
  expect(await snapshot(h, userId)).toEqual(before);
}

describe('14.2 password complexity classes are ASCII (§4.5.4)', () => {
  it.each(FACES)('%s: "Passwort1ä" is accepted, ä counting as the symbol', async (face) => {
    const res = ok(await update(face, w.alice.id, { password: { password: { password: 'Passwort1ä' } } }));
    expect(res.details).toMatchObject({ sequence: '2' });
    const events = (await h.repository.events(w.alice.id)).map((e) => e.type);
    expect(events).toEqual(['user.created', 'password.changed']);
  });

  it.each(FACES)('%s: "ÄÖÜSTRASSE1!ß" has no ASCII lower case → DOMAIN-co3Xw', async (face) => {
    await expectRefused(
      face,
      w.alice.id,
      { password: { password: { password: 'ÄÖÜSTRASSE1!ß' } } },
      fail(400, 3, 'Password must contain lower case', 'DOMAIN-co3Xw'),
    );
  });
});
