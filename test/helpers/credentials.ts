/** An outbound credentials factory the test controls: every call to Teams carries the given bearer token. */
import { ServiceClientCredentialsFactory, type ServiceClientCredentials } from 'botframework-connector';

export class StaticTokenCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly token: () => string,
  ) {
    super();
  }

  isValidAppId(appId: string): Promise<boolean> {
    return Promise.resolve(appId === this.appId);
  }

  isAuthenticationDisabled(): Promise<boolean> {
    return Promise.resolve(false);
  }

  createCredentials(): Promise<ServiceClientCredentials> {
    return Promise.resolve({
      signRequest: (request) => {
        request.headers.set('authorization', `Bearer ${this.token()}`);
        return Promise.resolve(request);
      },
    } as ServiceClientCredentials);
  }
}
