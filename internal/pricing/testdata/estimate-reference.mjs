// Regenerates estimate.json: sample chat requests with their prompt token
// count under OpenAI's o200k_base tokenizer (gpt-4o, gpt-4.1, gpt-5, o-series),
// the reference TestEstimateInputTokensTolerance holds the estimator to.
//
//   npm install gpt-tokenizer@4.0.0
//   node estimate-reference.mjs > estimate.json
//
// Only text and function definitions are sampled: those are what the
// tokenizer counts exactly. Image costs are fixed constants, tested apart.
import { countChatCompletionTokens } from 'gpt-tokenizer/model/gpt-4o'

const prose = `The committee met on Tuesday to review the proposal for the new riverside park. ` +
  `Several residents spoke in favour of the plan, pointing out that the neighbourhood has no green space ` +
  `within walking distance and that children currently play in the car park behind the supermarket. ` +
  `Others raised concerns about the cost, which the council estimates at 4.2 million pounds over three years, ` +
  `and about flooding: the site lies on the river's natural flood plain and was under water twice in the last decade. ` +
  `The engineer's report, circulated a week before the meeting, recommends raising the main paths by forty centimetres ` +
  `and planting species that tolerate occasional submersion, such as willow, alder and reed canary grass. ` +
  `After two hours of discussion the committee voted seven to two to send the proposal back for a revised budget, ` +
  `asking the planning office to return in March with a phased plan that could begin with the playground alone.`

const code = "Why does this Go function sometimes return stale data?\n\n```go\n" +
`type Cache struct {
	mu    sync.RWMutex
	items map[string]entry
	ttl   time.Duration
}

func (c *Cache) Get(key string, load func() (string, error)) (string, error) {
	c.mu.RLock()
	e, ok := c.items[key]
	c.mu.RUnlock()
	if ok && time.Since(e.at) < c.ttl {
		return e.value, nil
	}
	v, err := load()
	if err != nil {
		if ok {
			return e.value, nil // serve stale on error
		}
		return "", fmt.Errorf("load %q: %w", key, err)
	}
	c.mu.Lock()
	c.items[key] = entry{value: v, at: time.Now()}
	c.mu.Unlock()
	return v, nil
}
` + "```"

const jsonPayload = JSON.stringify({
  order_id: 'A-10293', customer: { id: 88121, name: 'Maria Lopez', tier: 'gold', email: 'maria@example.com' },
  items: [
    { sku: 'KB-204', name: 'Mechanical keyboard', qty: 1, unit_price: 89.5 },
    { sku: 'MS-019', name: 'Wireless mouse', qty: 2, unit_price: 24.99 },
    { sku: 'CB-USB-C', name: 'USB-C cable 2m', qty: 3, unit_price: 7.25 },
  ],
  shipping: { method: 'express', address: { line1: '12 Harbour Road', city: 'Porto', postcode: '4000-123', country: 'PT' } },
  created_at: '2026-03-14T09:26:53Z', notes: null,
}, null, 2)

const samples = [
  {
    name: 'short question',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is the capital of Australia?' },
    ] },
  },
  {
    name: 'cookbook jargon translator',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
      { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
      { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
      { role: 'system', name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
      { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
      { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
    ] },
  },
  {
    name: 'prose summary',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'Summarise the text for a local newsletter in three sentences.' },
      { role: 'user', content: prose },
    ] },
  },
  {
    name: 'code review',
    request: { model: 'gpt-4o', messages: [{ role: 'user', content: code }] },
  },
  {
    name: 'json extraction',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'Extract the total order value in euros and the shipping country. Reply in JSON.' },
      { role: 'user', content: jsonPayload },
    ] },
  },
  {
    name: 'multi-turn chat',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'You are a concise travel assistant.' },
      { role: 'user', content: 'I have three days in Lisbon in May. What should I not miss?' },
      { role: 'assistant', content: 'Day one: Alfama and the castle, ending with fado in the evening. Day two: Belém for the monastery, the tower and the custard tarts. Day three: a train to Sintra for the palaces and gardens.' },
      { role: 'user', content: 'Is Sintra doable without a car?' },
      { role: 'assistant', content: 'Yes. Trains leave Rossio station every 20 minutes and take about 40 minutes; from Sintra station the 434 bus loops past the main sights.' },
      { role: 'user', content: 'Great. Any tips for avoiding crowds at Pena Palace?' },
    ] },
  },
  {
    name: 'german',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: 'Antworte kurz und auf Deutsch.' },
      { role: 'user', content: 'Der Ausschuss trat am Dienstag zusammen, um den Vorschlag für den neuen Park am Flussufer zu prüfen. ' +
        'Mehrere Anwohner sprachen sich für den Plan aus, andere äußerten Bedenken wegen der Kosten und der Hochwassergefahr. ' +
        'Was sind die wichtigsten Argumente auf beiden Seiten?' },
    ] },
  },
  {
    name: 'chinese',
    request: { model: 'gpt-4o', messages: [
      { role: 'system', content: '请用中文简要回答。' },
      { role: 'user', content: '委员会周二开会审议新建河滨公园的提案。几位居民发言支持该计划，指出附近步行范围内没有绿地，' +
        '孩子们目前只能在超市后面的停车场玩耍。另一些人担心费用和洪水风险。双方最主要的论点是什么？' },
    ] },
  },
  {
    name: 'tool definitions',
    request: { model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You help users manage their calendar.' },
        { role: 'user', content: 'Move my dentist appointment to Friday at 3pm and tell me the weather that day in Oslo.' },
      ],
      functions: [
        { name: 'reschedule_event', description: 'Move a calendar event to a new start time.',
          parameters: { type: 'object', required: ['event_query', 'new_start'], properties: {
            event_query: { type: 'string', description: 'Words that identify the event, e.g. its title.' },
            new_start: { type: 'string', description: 'New start time, ISO 8601 with offset.' },
            notify_attendees: { type: 'boolean', description: 'Whether to email the other attendees.' },
          } } },
        { name: 'get_forecast', description: 'Daily weather forecast for a city.',
          parameters: { type: 'object', required: ['city', 'date'], properties: {
            city: { type: 'string' },
            date: { type: 'string', description: 'YYYY-MM-DD' },
            unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          } } },
      ] },
  },
]

const out = samples.map(({ name, request }) => ({
  name,
  o200k_tokens: countChatCompletionTokens(request),
  // The estimator reads Chat Completions requests: functions become tools.
  request: request.functions
    ? { model: request.model, messages: request.messages, tools: request.functions.map((f) => ({ type: 'function', function: f })) }
    : request,
}))
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
