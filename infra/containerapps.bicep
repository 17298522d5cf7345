// The NHSmail Welcome bot on Azure Container Apps, from the image the Dockerfile builds, with its scheduled jobs.
// Storage, Key Vault and the identity are the ones infra/appservice.bicep creates (deploy that first with the
// App Service parts left out, or create them as docs/deploy.md shows); this file takes their names.
//
//   az deployment group create -g <rg> -f infra/containerapps.bicep -p name=<name> image=<registry>/nhsmail-welcome-bot:<tag> …
//
// NOT TESTED HERE: no Azure subscription, container runtime or bicep CLI in this repository's CI.
// test/deploy/infra.test.ts checks the probe values against the Container Apps API limits and the settings against
// the ones the bot reads.

@allowed(['uksouth', 'ukwest'])
param location string = 'uksouth'
param name string
@description('The image, e.g. <registry>.azurecr.io/nhsmail-welcome-bot:<tag>.')
param image string
param publicHostname string
param hostingTenantId string = tenant().tenantId
param usersTenantId string
param botAppId string
param teamsCatalogAppId string = ''
param laGroupId string = ''
@description('Resource id of the user-assigned identity (storage, Key Vault, registry pull).')
param identityId string
@description('Client id of that identity.')
param identityClientId string
param storageBlobEndpoint string
param vaultName string
param logAnalyticsCustomerId string
@secure()
param logAnalyticsSharedKey string

var port = 3978
var botEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'PORT', value: string(port) }
  // The platform's grace period is 30 s; the bot finishes in-flight work within 20 s.
  { name: 'SHUTDOWN_GRACE_MS', value: '20000' }
  { name: 'PUBLIC_HOSTNAME', value: publicHostname }
  { name: 'MicrosoftAppType', value: 'SingleTenant' }
  { name: 'MicrosoftAppId', value: botAppId }
  { name: 'MicrosoftAppTenantId', value: hostingTenantId }
  { name: 'MicrosoftAppPassword', secretRef: 'bot-client-secret' }
  { name: 'ENTRA_TENANT_ID', value: usersTenantId }
  { name: 'GRAPH_TENANT_ID', value: usersTenantId }
  { name: 'STORAGE', value: 'blob' }
  { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storageBlobEndpoint }
  { name: 'AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID', value: identityClientId }
  { name: 'AZURE_STORAGE_CONTAINER', value: 'welcome-bot' }
  { name: 'TEAMS_CATALOG_APP_ID', value: teamsCatalogAppId }
  { name: 'LA_GROUP_ID', value: laGroupId }
  { name: 'ALLOWED_EMAIL_DOMAINS', value: 'nhs.net' }
]
var secrets = [
  { name: 'bot-client-secret', keyVaultUrl: 'https://${vaultName}${environment().suffixes.keyvaultDns}/secrets/bot-client-secret', identity: identityId }
]

resource env 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logAnalyticsCustomerId, sharedKey: logAnalyticsSharedKey }
    }
    zoneRedundant: false
  }
}

resource bot 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${name}-bot'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    environmentId: env.id
    configuration: {
      ingress: { external: true, targetPort: port, transport: 'http', allowInsecure: false }
      secrets: secrets
    }
    template: {
      terminationGracePeriodSeconds: 30
      containers: [
        {
          name: 'bot'
          image: image
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: botEnv
          // Container Apps limits: failureThreshold 1-10, periodSeconds 1-240, initialDelaySeconds 1-60 (or 0), timeoutSeconds 1-240.
          probes: [
            { type: 'Startup', httpGet: { path: '/healthz', port: port }, initialDelaySeconds: 3, periodSeconds: 3, failureThreshold: 10, timeoutSeconds: 2 }
            { type: 'Liveness', httpGet: { path: '/healthz', port: port }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: port }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 }
          ]
        }
      ]
      // Never scale to zero: the delivery worker and the reminder timer run inside the replicas.
      scale: { minReplicas: 2, maxReplicas: 4 }
    }
  }
}

// The scheduled jobs: the same image and settings, plain node, one replica each.
var jobs = [
  { name: 'retention', cron: '30 2 * * *', script: 'dist/cli/retention.js' }
  { name: 'remind', cron: '15 * * * *', script: 'dist/cli/remind.js' }
  { name: 'unanswered', cron: '0 6 * * 1', script: 'dist/cli/report-unanswered.js' }
]

resource jobResources 'Microsoft.App/jobs@2024-03-01' = [for job in jobs: {
  name: '${name}-${job.name}'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    environmentId: env.id
    configuration: {
      triggerType: 'Schedule'
      replicaTimeout: 1800
      replicaRetryLimit: 1
      scheduleTriggerConfig: { cronExpression: job.cron, parallelism: 1, replicaCompletionCount: 1 }
      secrets: secrets
    }
    template: {
      containers: [
        {
          name: job.name
          image: image
          command: ['node', job.script]
          resources: { cpu: json('0.25'), memory: '0.5Gi' }
          env: botEnv
        }
      ]
    }
  }
}]

output fqdn string = bot.properties.configuration.ingress.fqdn
