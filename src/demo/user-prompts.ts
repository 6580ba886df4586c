/** What the simulated users ask, in both languages the dashboard speaks. The mock contenders answer any of them. */
export const USER_PROMPTS: readonly string[] = [
  'Summarise the attached meeting notes in three bullet points.',
  'Write a polite reply declining the invitation for Friday.',
  'Explain what a vector database is to a new colleague.',
  'How do I undo the last git commit but keep the changes?',
  'Translate "the shipment is delayed by two days" into Chinese.',
  'Give me three names for a bakery that sells mooncakes.',
  '用三句话解释什么是向量数据库。',
  '帮我写一封请假邮件，周五下午需要去医院。',
  '把这段话改得更正式一些：我们下周再聊这个事。',
  '给新同事介绍一下我们的报销流程要注意什么。',
  '推荐三本适合初学者的机器学习书，并说明理由。',
  '周末去杭州两天，帮我排一个不太累的行程。',
];
