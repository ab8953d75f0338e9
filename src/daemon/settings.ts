import type { OcoConfig } from '../core/base/config/resolve.js';
import type { GatewaySettings } from '../core/gateway/proxy/gateway.js';
import type { Strategy } from '../core/gateway/routing/strategy.js';

/** The gateway's settings from the effective configuration (flags > env > file > defaults). */
export function gatewaySettings(config: OcoConfig): GatewaySettings {
  return {
    baseUrls: {
      openai: config.string('proxy.openaiBaseUrl')!,
      anthropic: config.string('proxy.anthropicBaseUrl')!,
      gemini: config.string('proxy.geminiBaseUrl')!,
    },
    providerKeys: {
      openai: config.string('openai.apiKey'),
      anthropic: config.string('anthropic.apiKey'),
      gemini: config.string('google.apiKey'),
    },
    proxyApiKey: config.string('proxy.apiKey'),
    adminApiKey: config.string('admin.apiKey'),
    maxBodyBytes: config.int('proxy.maxBodyBytes'),
    upstreamTimeoutMs: config.int('proxy.upstreamTimeoutMs'),
    admissionFailOpen: config.bool('budget.failOpen'),
    routeStrategy: config.string('route.strategy') as Strategy,
    routeTiers: config.string('route.tiers'),
    env: config.env,
    retry: {
      retries: config.int('route.retries'),
      retryBaseMs: config.int('route.retryBaseMs'),
      retryMaxWaitMs: config.int('route.retryMaxWaitMs'),
    },
    breaker: { failures: config.int('route.breakerFailures'), cooldownMs: config.int('route.breakerCooldownMs') },
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}
