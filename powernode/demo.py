"""A sample tenant to explore: `python -m powernode seed --demo`.

An account with users and roles, AI agents in a team, a mission with an
approval, a Ralph loop with tasks, a DevOps pipeline with runs, knowledge-base
articles, and knowledge-graph nodes with embeddings (so `nearest()` has
something to find). Added once: a second run finds the account and stops.
"""
import math
import random

from .plugins import installed
from .registry import registry

__all__ = ["add_demo_tenant", "DEMO_SUBDOMAIN"]

DEMO_SUBDOMAIN = "acme-demo"
DIMENSIONS = 1536


def embedding(text: str):
    """A deterministic unit vector for `text` (a stand-in for a real embedding model)."""
    generator = random.Random(text)
    vector = [generator.gauss(0, 1) for _ in range(DIMENSIONS)]
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector]


def add_demo_tenant(db) -> str:
    m = registry.get
    for needed in ("Ai::Agent", "Devops::Pipeline", "KnowledgeBase::Article"):
        if installed.namespace_of(needed) not in db.namespaces:
            return f"demo tenant needs the ai, devops and knowledge_base namespaces (selected: {', '.join(db.namespaces)})"
    Account = m("Account")
    if Account.select().where(Account.subdomain == DEMO_SUBDOMAIN).exists():
        return f"demo tenant already present (account subdomain {DEMO_SUBDOMAIN!r})"
    with db.atomic():
        return _build(m)


def _build(m):
    Role, UserRole, Plan = m("Role"), m("UserRole"), m("Plan")
    account = m("Account").create(name="Acme Robotics", subdomain=DEMO_SUBDOMAIN, billing_email="billing@acme.test")
    plan = Plan.get_or_none(Plan.slug == "pro")
    if plan is not None:
        m("Subscription").create(account=account, plan=plan, status="trialing")

    people = {}
    for email, name, role in (("ada@acme.test", "Ada Lovelace", "owner"), ("grace@acme.test", "Grace Hopper", "admin"),
                              ("linus@acme.test", "Linus Pauling", "member")):
        user = m("User").create(account=account, email=email, name=name, password_digest="!demo-no-login",
                                email_verified=True)
        people[email] = user
        found = Role.get_or_none(Role.name == role)
        if found is not None:
            UserRole.insert(user=user, role=found).execute()
    owner = people["ada@acme.test"]

    Provider = m("Ai::Provider")
    provider = (Provider.get_or_none(Provider.slug == "anthropic")
                or Provider.create(name="Anthropic", slug="anthropic", provider_type="anthropic"))
    agents = []
    for name, kind in (("Research Analyst", "assistant"), ("Code Reviewer", "code_assistant"),
                       ("Release Manager", "workflow_optimizer")):
        agents.append(m("Ai::Agent").create(account=account, creator=owner, provider=provider, name=name,
                                            slug=name.lower().replace(" ", "-"), agent_type=kind,
                                            description=f"Demo agent: {name.lower()}"))
    # the platform's default coordination_strategy ('manager_worker') fails its own check: name a valid one
    team = m("Ai::AgentTeam").create(account=account, name="Ship It", description="Reviews and releases changes",
                                     coordination_strategy="manager_led")
    for index, agent in enumerate(agents):
        m("Ai::AgentTeamMember").create(team=team, agent=agent, role="lead" if index == 0 else "member",
                                        priority_order=index)

    mission = m("Ai::Mission").create(account=account, created_by=owner, name="Launch the status page",
                                      mission_type="development", objective="Publish a public status page")
    m("Ai::MissionApproval").create(account=account, mission=mission, user=owner, gate="prd_review",
                                    decision="approved", comment="Scope looks right")

    loop = m("Ai::RalphLoop").create(account=account, name="Harden the API", description="Iterate until green")
    for number, key in enumerate(("add-rate-limits", "write-contract-tests", "document-errors"), 1):
        m("Ai::RalphTask").create(ralph_loop=loop, task_key=key, description=key.replace("-", " "),
                                  position=number)

    pipeline = m("Devops::Pipeline").create(account=account, name="Main CI", slug="main-ci", pipeline_type="review")
    for number in (1, 2, 3):
        m("Devops::PipelineRun").create(pipeline=pipeline, run_number=str(number), trigger_type="push",
                                        status="success" if number < 3 else "running")

    Category = m("KnowledgeBase::Category")
    category = (Category.get_or_none(Category.slug == "getting-started")
                or Category.create(name="Getting started", slug="getting-started"))
    for title in ("Inviting your team", "Connecting an AI provider", "Your first pipeline"):
        m("KnowledgeBase::Article").create(author=owner, category=category, title=title,
                                          slug=title.lower().replace(" ", "-"), status="published",
                                          content=f"# {title}\n\nA demo article.")

    Node = m("Ai::KnowledgeGraphNode")
    nodes = {}
    for name in ("Status page", "Incident", "Uptime", "Pipeline", "Release"):
        nodes[name] = Node.create(account=account, name=name, node_type="concept", embedding=embedding(name),
                                  description=f"Demo concept: {name.lower()}")
    for source, target in (("Status page", "Incident"), ("Status page", "Uptime"), ("Pipeline", "Release")):
        m("Ai::KnowledgeGraphEdge").create(account=account, source_node=nodes[source], target_node=nodes[target],
                                           relation_type="related_to")
    return (f"demo tenant: account {account.name!r} ({account.id}), 3 users, 3 agents in a team, a mission, "
            f"a Ralph loop, a pipeline with 3 runs, 3 articles, 5 graph nodes with embeddings")
