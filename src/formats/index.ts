import type { CredentialConfiguration } from '../credential-configurations/schema.js';
import { issueJwtVcJson } from './jwt-vc-json/index.js';
import { issueMdoc } from './mso-mdoc/index.js';
import { issueSdJwtVc } from './sd-jwt-vc/index.js';
import type { IssueInput, IssuedCredential } from './types.js';

/** The one switch from a configuration's format to the code that produces it. */
export function issueCredential(input: IssueInput): Promise<IssuedCredential> {
  const configuration: CredentialConfiguration = input.configuration;
  switch (configuration.format) {
    case 'mso_mdoc':
      return issueMdoc({ ...input, configuration });
    case 'dc+sd-jwt':
      return issueSdJwtVc({ ...input, configuration });
    case 'jwt_vc_json':
      return issueJwtVcJson({ ...input, configuration });
  }
}
