// The NHSmail Welcome bot on Azure App Service (Linux, Node 24 LTS), in the hosting organisation's subscription.
// docs/deploy.md walks through it step by step; this file is the same resources in one deployment:
//
//   az deployment group create -g <rg> -f infra/appservice.bicep -p infra/appservice.parameters.example.json
//
// NOT TESTED HERE: no Azure subscription or bicep CLI is available to this repository's CI. test/deploy/infra.test.ts
// checks the app settings against the settings the bot reads and the values docs/deploy.md promises; run
// `az bicep build -f infra/appservice.bicep` (or a what-if deployment) before the first real one.

@description('Azure region: a UK region keeps compute and data in the UK.')
@allowed(['uksouth', 'ukwest'])
param location string = 'uksouth'

@description('Short name used for every resource (lower case letters and digits).')
@minLength(3)
@maxLength(16)
param name string

@description('Public host name of the bot, without scheme (PUBLIC_HOSTNAME), e.g. welcome.trust.example.nhs.uk.')
param publicHostname string

@description('Tenant that holds the bot\'s app registration and this subscription (MicrosoftAppTenantId).')
param hostingTenantId string = tenant().tenantId

@description('The NHSmail tenant: where users, their tab tokens and Graph live (ENTRA_TENANT_ID, GRAPH_TENANT_ID).')
param usersTenantId string

@description('Client id of the bot\'s Entra app registration (SingleTenant bot type; the app itself allows multiple organisations).')
param botAppId string

@description('The Teams app\'s id in the NHSmail tenant\'s app catalogue (TEAMS_CATALOG_APP_ID); empty until uploaded.')
param teamsCatalogAppId string = ''

@description('Entra group (in the NHSmail tenant) whose members are Local Administrators (LA_GROUP_ID); empty for none.')
param laGroupId string = ''

@description('App Service plan SKU: Basic or higher (Always On is not available on Free or Shared).')
param planSku string = 'P0v3'

@description('Instances: 2 or more, so that App Service health check can take a failing one out.')
@minValue(2)
param instances int = 2

var storageName = toLower('${name}st${uniqueString(resourceGroup().id)}')
var vaultName = toLower('${name}-kv-${take(uniqueString(resourceGroup().id), 6)}')
var container = 'welcome-bot'

// Built-in role definition ids (Azure RBAC).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${name}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 90 }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(storageName, 24)
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // The bot reaches storage with its managed identity: no account key is needed, so none is allowed.
    allowSharedKeyAccess: false
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // 7 days everywhere: what "forget me" and retention erase stays recoverable for 7 days, then is gone.
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    isVersioningEnabled: true
  }
}

resource stateContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: container
  properties: { publicAccess: 'None' }
}

// Previous versions are kept 7 days, like deleted blobs; the audit trail's days are kept for 400 days.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'old-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['${container}/'] }
            actions: { version: { delete: { daysAfterCreationGreaterThan: 7 } } }
          }
        }
        {
          name: 'audit-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['appendBlob'], prefixMatch: ['${container}/audit/'] }
            actions: { baseBlob: { delete: { daysAfterCreationGreaterThan: 400 } } }
          }
        }
      ]
    }
  }
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// The shared delivery queue (Azure Queue Storage, same account) when the build uses it.
resource queueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageQueueDataContributor)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take(vaultName, 24)
  location: location
  properties: {
    tenantId: hostingTenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

// Secrets are created by hand (docs/deploy.md, "Key Vault"); the app reads them through Key Vault references.
resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: { name: planSku, capacity: instances }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-app'
  location: location
  kind: 'app,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity (the default would be a system-assigned one).
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      appCommandLine: 'node dist/index.js'
      // Without Always On the app is unloaded after 20 idle minutes: the delivery worker and the reminder timer stop.
      alwaysOn: true
      healthCheckPath: '/readyz'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // The zip is built (npm run deployable): App Service must not build or install anything.
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' }
        { name: 'NODE_ENV', value: 'production' }
        { name: 'LOG_LEVEL', value: 'info' }
        { name: 'SHUTDOWN_GRACE_MS', value: '10000' }
        { name: 'PUBLIC_HOSTNAME', value: publicHostname }
        { name: 'MicrosoftAppType', value: 'SingleTenant' }
        { name: 'MicrosoftAppId', value: botAppId }
        { name: 'MicrosoftAppTenantId', value: hostingTenantId }
        { name: 'MicrosoftAppPassword', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=bot-client-secret)' }
        // Tab tokens and Graph come from the users' tenant (NHSmail), not the hosting tenant.
        { name: 'ENTRA_TENANT_ID', value: usersTenantId }
        { name: 'GRAPH_TENANT_ID', value: usersTenantId }
        { name: 'STORAGE', value: 'blob' }
        { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'AZURE_STORAGE_MANAGED_IDENTITY_CLIENT_ID', value: identity.properties.clientId }
        { name: 'AZURE_STORAGE_CONTAINER', value: container }
        { name: 'TEAMS_CATALOG_APP_ID', value: teamsCatalogAppId }
        { name: 'LA_GROUP_ID', value: laGroupId }
        { name: 'ALLOWED_EMAIL_DOMAINS', value: 'nhs.net' }
        // Reminders and retention inside the bot (App Service has no scheduler of its own): reminders once an hour,
        // the retention sweep once a day (each instance sweeps; a second sweep finds nothing left to erase).
        { name: 'REMINDER_INTERVAL_MINUTES', value: '60' }
        { name: 'RETENTION_INTERVAL_HOURS', value: '24' }
      ]
    }
  }
  dependsOn: [blobRole, vaultRole]
}

resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: app
  name: 'to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServiceHTTPLogs', enabled: true }
      { category: 'AppServicePlatformLogs', enabled: true }
    ]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

// Alert: the bot is accepting unauthenticated requests (it logs server.anonymous at start).
resource anonymousAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${name}-anonymous'
  location: location
  properties: {
    severity: 0
    enabled: true
    scopes: [logs.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'AppServiceConsoleLogs | where ResultDescription has "server.anonymous"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
  }
}

// Alert: errors in turns or requests above a baseline.
resource errorAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${name}-errors'
  location: location
  properties: {
    severity: 2
    enabled: true
    scopes: [logs.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'AppServiceConsoleLogs | where ResultDescription startswith "{" | extend e = parse_json(ResultDescription) | where toint(e.level) >= 50'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 10
        }
      ]
    }
  }
}

output appName string = app.name
output defaultHostname string = app.properties.defaultHostName
output identityClientId string = identity.properties.clientId
output storageAccount string = storage.name
output vaultName string = vault.name
