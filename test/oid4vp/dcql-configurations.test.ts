import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCredentialConfigurations } from '../../src/credential-configurations/load.js';
import { configurationsAnswering, parseDcqlQuery } from '../../src/protocol/oid4vp/dcql.js';
import { presentationDefinitionFrom } from '../../src/protocol/oid4vp/draft-request.js';

/** Plain functions behind "present with the reference wallet" and draft-shaped requests. */
const configurations = loadCredentialConfigurations();
const all = () => configurations.ids.map((id) => configurations.byId.get(id)!);
const parse = (q: unknown) => {
  const r = parseDcqlQuery(q);
  assert.ok(r.ok, JSON.stringify(r));
  return r.query;
};

describe('configurationsAnswering', () => {
  it('picks one configuration per credential query by vct or doctype, and names the queries nothing answers', () => {
    const query = parse({
      credentials: [
        { id: 'sd', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ path: ['given_name'] }] },
        { id: 'mdl', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' }, claims: [{ path: ['org.iso.18013.5.1', 'family_name'] }] },
        { id: 'other', format: 'dc+sd-jwt', meta: { vct_values: ['urn:example:unknown'] }, claims: [{ path: ['x'] }] },
      ],
    });
    const { answered, unanswered } = configurationsAnswering(query, all());
    assert.equal(answered.length, 2);
    assert.equal(configurations.byId.get(answered[0])!.format, 'dc+sd-jwt');
    assert.equal((configurations.byId.get(answered[1]) as { doctype?: string }).doctype, 'org.iso.18013.5.1.mDL');
    assert.deepEqual(unanswered, ['other']);
  });
});

describe('presentationDefinitionFrom', () => {
  it('one input descriptor per credential query: vct and each claim a field, values a filter, JSONPath for nested and wildcard paths', () => {
    const query = parse({
      credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ path: ['address', 'locality'] }, { path: ['nationalities', null] }, { path: ['given_name'], values: ['Erika'] }] }],
    });
    const pd = presentationDefinitionFrom(query, 'def-1') as any;
    assert.equal(pd.id, 'def-1');
    const [descriptor] = pd.input_descriptors;
    assert.equal(descriptor.id, 'pid');
    assert.equal(descriptor.constraints.limit_disclosure, 'required');
    assert.deepEqual(descriptor.constraints.fields, [
      { path: ['$.vct'], filter: { type: 'string', enum: ['urn:eudi:pid:1'] } },
      { path: ['$.address.locality'] },
      { path: ['$.nationalities[*]'] },
      { path: ['$.given_name'], filter: { enum: ['Erika'] } },
    ]);
  });
});
