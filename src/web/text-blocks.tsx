import type { Child } from 'hono/jsx';

/**
 * An operator's plain-text or markdown-ish file as page blocks: `# ` and `## ` lines are headings, a block of
 * `- ` or `* ` lines is a list, anything else a paragraph. Every character stays text (JSX escapes it): no
 * markup, links or images from the file ever reach the page.
 */
export function TextBlocks(props: { text: string }) {
  const blocks = props.text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  return <>{blocks.map((block) => renderBlock(block))}</>;
}

function renderBlock(block: string): Child {
  const [first = '', ...rest] = block.split('\n');
  // A heading line may sit right above its text, without a blank line between.
  const heading = /^(#{1,2}) (.*)$/.exec(first);
  if (heading) {
    const title = heading[1] === '#' ? <h2>{heading[2]!.trim()}</h2> : <h3>{heading[2]!.trim()}</h3>;
    return rest.length > 0 ? (
      <>
        {title}
        {renderBlock(rest.join('\n').trim())}
      </>
    ) : (
      title
    );
  }
  const lines = [first, ...rest];
  if (lines.every((line) => /^\s*[-*] /.test(line)))
    return (
      <ul>
        {lines.map((line) => (
          <li>{line.replace(/^\s*[-*] /, '')}</li>
        ))}
      </ul>
    );
  return <p class="legal-text">{block}</p>;
}
