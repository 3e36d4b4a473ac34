"""Our own short text for every place where the platform's seed data holds prose.

`reference/seed-data.json` replaces long text (article bodies, prompts, long
descriptions) with its length; the platform's prose is not copied. Each place
such a value occurs, (table, column or dotted JSON path), has a writer here that
states facts of the row in a sentence or two. A place without a writer is an
error, so a newer export with new prose fails loudly instead of seeding blanks.
"""
from typing import Callable, Dict, Optional, Tuple

__all__ = ["text", "EMPTY"]


def words(identifier: str) -> str:
    """`code_intelligence` / `ci-cd` as words."""
    return identifier.replace("_", " ").replace("-", " ")


def a(phrase: str) -> str:
    """`phrase` with its indefinite article."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def listing(items) -> str:
    items = [str(item) for item in items]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _agent_description(row):
    return f"{row['name']}: {a(words(row['agent_type']))} agent of the platform's admin account."


def _agent_prompt(row):
    return (f"You are {row['name']}, {a(words(row['agent_type']))} agent on the Powernode platform. "
            "Work on the task you are given with the tools you are granted, and say plainly when you are "
            "unsure or blocked.")


def _article_excerpt(row):
    return f"A short guide to {row['title']}, in the {row['category_id']['name']} section."


def _article_content(row):
    excerpt = row["excerpt"] if isinstance(row["excerpt"], str) else _article_excerpt(row)
    return f"# {row['title']}\n\n{excerpt}\n"


def _mission_description(row):
    phases = row["phases"]
    return (f"{row['name']}: the {words(row['mission_type'])} mission in {len(phases)} phases, "
            f"from {phases[0]['label']} to {phases[-1]['label']}.")


def _devops_usage_guide(row):
    needs = listing(words(i) for i in row["integrations_required"]) or "nothing else"
    return (f"## Using {row['name']}\n\n1. Install the template in your account.\n"
            f"2. Set its variables.\n3. Connect what it needs: {needs}.")


def _tool_description(row):
    required = row["input_schema"].get("required") or []
    takes = f"; takes {listing(required)}" if required else ""
    return f"{words(row['name']).capitalize()} on the Powernode platform{takes}."


def _skill_description(row):
    tags = f" ({', '.join(row['tags'])})" if row["tags"] else ""
    return f"{row['name']}: {a(words(row['category']))} skill{tags}."


#: prose places whose column is left empty: text that is not ours to write (a license's legal text)
EMPTY = {("supply_chain_licenses", "license_text")}

WRITERS: Dict[Tuple[str, str], Callable[[dict], Optional[str]]] = {
    ("ai_agent_teams", "description"): lambda r: (
        f"{r['name']}: {a(words(r['team_type']))} team coordinated by {words(r['coordination_strategy'])}."),
    ("ai_agents", "conversation_profile.greeting"): lambda r: f"Hi, I'm {r['name']}. What can I help you with?",
    ("ai_agents", "description"): _agent_description,
    ("ai_agents", "mcp_metadata.system_prompt"): _agent_prompt,
    ("ai_agents", "mcp_tool_manifest.description"): _agent_description,  # the manifest repeats the description
    ("ai_devops_templates", "description"): lambda r: (
        f"{r['name']}: {a(words(r['category']))} template that runs as {a(words(r['template_type']))} workflow."),
    ("ai_devops_templates", "usage_guide"): _devops_usage_guide,
    ("ai_documents", "content"): lambda r: (
        f"# {r['name']}\n\nRetrieval-augmented generation answers a question from documents: the "
        "knowledge base splits each document into chunks, embeds them, finds the chunks closest to the "
        "question and gives them to the model with the question.\n"),
    ("ai_knowledge_bases", "description"): lambda r: (
        f"{r['name']}: documents about the platform, split into chunks of {r['chunk_size']} characters "
        f"({words(r['chunking_strategy'])} splitting) and embedded with {r['embedding_model']}."),
    ("ai_memory_pools", "data.claude_code.mission_pipeline.stages"): lambda r: (
        "The stages and their order are the phases of the Standard Development mission template."),
    ("ai_mission_templates", "description"): _mission_description,
    ("ai_role_profiles", "system_prompt_template"): lambda r: (
        f"You are the {r['name']} of an AI team. {r['description']} Report what you did and what is left."),
    ("ai_skills", "description"): _skill_description,
    ("ai_skills", "system_prompt"): lambda r: (
        f"You apply the {r['name']} skill. Keep to {words(r['category'])} work, explain your reasoning "
        "briefly, and flag anything you could not check."),
    ("ai_team_roles", "role_description"): lambda r: f"{r['role_name']}: {r['responsibilities']}.",
    ("devops_ai_configs", "system_prompt.content"): lambda r: (
        f"You help with {words(r['config_type'])} on the account's repositories. Be specific, point to "
        "files and lines where you can, and keep answers short."),
    ("devops_container_templates", "description"): lambda r: (
        f"{r['name']}: runs {r['image_name']}:{r['image_tag']} for {words(r['category'])} tasks."),
    ("knowledge_base_articles", "content"): _article_content,
    ("knowledge_base_articles", "excerpt"): _article_excerpt,
    ("mcp_tools", "description"): _tool_description,
    ("shared_prompt_templates", "content"): lambda r: (
        f"{r['description']}.\n\nFollow the calling service's instructions and answer in the format it asks for."),
    ("supply_chain_scan_templates", "description"): lambda r: (
        f"{r['name']}: {a(words(r['category']))} scan for {listing(r['supported_ecosystems'])} projects."),
}


def text(table: str, place: str, row: dict) -> Optional[str]:
    """Our text for the prose at `place` (a column, or a dotted path inside a JSON column) of `row`."""
    if (table, place) in EMPTY:
        return None
    try:
        writer = WRITERS[table, place]
    except KeyError:
        raise KeyError(f"no text written for prose at {table}.{place}: add a writer to tools/seed_prose.py") from None
    return writer(row)
