import type { RuleSet } from '../base/policy/types.js';
import { cloudPolicyRules } from '../cloud-costs/policy-rules.js';
import { llmPolicyRules } from '../gateway/usage/policy-rules.js';

/** Every wing's policy rule kinds: cloud costs (tags, regions, services, ceilings), LLM spend (models, costs). */
export const POLICY_RULES: RuleSet[] = [cloudPolicyRules, llmPolicyRules];
