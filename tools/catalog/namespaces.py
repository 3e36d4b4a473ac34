"""The namespaces the platform's seed document names: Rails module, table prefix, a title.

The table prefix is the platform's convention for new tables; a few reference
tables predate it (`account_git_webhook_configs` in devops, `circuit_breakers`
in monitoring) and keep their names.
"""
NAMESPACES = {
    "core": {"rails_module": None, "prefix": "", "title": "Core platform models (accounts, users, roles, billing)"},
    "account": {"rails_module": "Account", "prefix": "account_", "title": "Account:: delegations and terminations"},
    "ai": {"rails_module": "Ai", "prefix": "ai_", "title": "Ai:: agents, teams, missions, memory, providers"},
    "chat": {"rails_module": "Chat", "prefix": "chat_", "title": "Chat:: channels, messages and sessions"},
    "data_management": {"rails_module": "DataManagement", "prefix": "data_",
                        "title": "DataManagement:: exports, deletions, retention"},
    "database": {"rails_module": "Database", "prefix": "database_", "title": "Database:: backups and restores"},
    "devops": {"rails_module": "Devops", "prefix": "devops_", "title": "Devops:: pipelines, runs, containers"},
    "file_management": {"rails_module": "FileManagement", "prefix": "file_",
                        "title": "FileManagement:: file objects, storage, sharing"},
    "knowledge_base": {"rails_module": "KnowledgeBase", "prefix": "knowledge_base_",
                       "title": "KnowledgeBase:: articles, categories, tags"},
    "marketplace": {"rails_module": "Marketplace", "prefix": "marketplace_", "title": "Marketplace:: subscriptions"},
    "mcp": {"rails_module": "Mcp", "prefix": "mcp_", "title": "Mcp:: protocol principals"},
    "monitoring": {"rails_module": "Monitoring", "prefix": "monitoring_",
                   "title": "Monitoring:: circuit breakers and health"},
    "review": {"rails_module": "Review", "prefix": "review_", "title": "Review:: responses, votes, moderation"},
    "shared": {"rails_module": "Shared", "prefix": "shared_", "title": "Shared:: prompt templates and feature gates"},
    "supply_chain": {"rails_module": "SupplyChain", "prefix": "supply_chain_",
                     "title": "SupplyChain:: SBOMs, attestations, licenses"},
}

# Areas the seed document does not name, for models whose name says where they belong; checked
# before the foreign-key rule of tools/generator/modules.py. (namespace -> {area: [name prefixes]})
EXTRA_AREAS = {
    "ai": {"Workflows": ["Ai::Workflow"], "Execution": ["Ai::Execution", "Ai::DagExecution"],
           "DevOps templates": ["Ai::DevopsTemplate"], "MCP apps": ["Ai::McpApp"]},
}

# The platform's optional extensions (`extension: true` in the reference): installed with the package,
# never in the default selection. Their tables carry no model name, so one is made from the table:
# the module of its prefix (MODULE_PREFIXES, longest first), else a top-level name as core's are.
OPTIONAL = {
    "baas": {"rails_module": "BaaS", "prefix": "baas_", "title": "BaaS:: billing as a service (optional extension)"},
    "business": {"rails_module": None, "prefix": "", "optional": True,
                 "title": "Business extension: credits, compliance, marketplace sales, resellers (optional)"},
    "marketing": {"rails_module": "Marketing", "prefix": "marketing_",
                  "title": "Marketing:: campaigns, email lists, social accounts (optional extension)"},
    "trading": {"rails_module": "Trading", "prefix": "trading_",
                "title": "Trading:: portfolios, strategies, venues, wallets (optional extension)"},
}
for _info in OPTIONAL.values():
    _info["optional"] = True
NAMESPACES.update(OPTIONAL)

MODULE_PREFIXES = {"ai_": "Ai", "baas_": "BaaS", "devops_": "Devops", "marketing_": "Marketing", "mcp_": "Mcp",
                   "trading_": "Trading"}
